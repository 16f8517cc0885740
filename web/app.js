/* The chat page: asks /api/ask, shows quoted answers with citations, opens documents.
 *
 * Every text that comes from a document or a user goes in through textContent or
 * createTextNode, never innerHTML: a document may contain markup, and it must show as text.
 */
"use strict";

(function () {
  const MAX_HISTORY = 10;          // Settings.max_history
  const MAX_HISTORY_CHARS = 1000;  // Settings.max_history_chars

  const $ = (id) => document.getElementById(id);
  const els = {
    app: $("app"),
    chatColumn: document.querySelector(".chat-column"),
    form: $("ask-form"),
    question: $("question"),
    send: $("send"),
    welcome: $("welcome"),
    conversation: $("conversation"),
    newConversation: $("new-conversation"),
    announcer: $("announcer"),
    panel: $("doc-panel"),
    panelKicker: $("doc-panel-kicker"),
    panelTitle: $("doc-panel-title"),
    panelMeta: $("doc-panel-meta"),
    panelBody: $("doc-panel-body"),
    panelClose: $("doc-panel-close"),
    langSwitch: $("lang-switch"),
    showDocuments: $("show-documents"),
    search: $("doc-search"),
    searchInput: $("doc-search-input"),
    searchCount: $("doc-search-count"),
  };
  const STORAGE_KEY = "ccqa.conversation";  // sessionStorage: the conversation survives a reload

  const state = {
    history: [],          // earlier turns {question, answer}, most recent last (answer: the text it quoted)
    saved: [],            // the replies shown, {question, data}: kept in sessionStorage
    pending: false,
    turns: 0,
    conversationId: 0,    // replies to a cleared conversation are dropped
    documents: new Map(), // doc_id -> Promise of the document
    panelTrigger: null,   // element to give focus back to when the panel closes
    shownDoc: null,       // {text, lang, render}: the document in the panel, for searching in it
  };

  /* ---- small DOM helpers (text only) ---------------------------------------------------- */

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function announce(message) {
    els.announcer.textContent = "";
    window.setTimeout(() => { els.announcer.textContent = message; }, 50);
  }

  function prefersReducedMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  /* ---- offsets: the API counts code points, JavaScript strings count UTF-16 units ------- */

  function unitOffsets(text, points) {
    if (!/[\uD800-\uDFFF]/.test(text)) {
      return points.map((p) => Math.max(0, Math.min(p, text.length)));
    }
    const sorted = points.map((p, i) => [p, i]).sort((a, b) => a[0] - b[0]);
    const out = new Array(points.length).fill(text.length);
    let point = 0;
    let unit = 0;
    let j = 0;
    while (j < sorted.length && unit <= text.length) {
      while (j < sorted.length && sorted[j][0] <= point) {
        out[sorted[j][1]] = unit;
        j += 1;
      }
      if (unit >= text.length) break;
      const code = text.codePointAt(unit);
      unit += code > 0xffff ? 2 : 1;
      point += 1;
    }
    return out;
  }

  /* Append text to parent, wrapping [start, end) (code points) in a <mark>. */
  function appendMarked(parent, text, start, end, markClass) {
    const [a, b] = unitOffsets(text, [start, end]);
    if (b <= a) {
      parent.appendChild(document.createTextNode(text));
      return null;
    }
    parent.appendChild(document.createTextNode(text.slice(0, a)));
    const mark = el("mark", markClass, text.slice(a, b));
    parent.appendChild(mark);
    parent.appendChild(document.createTextNode(text.slice(b)));
    return mark;
  }

  /* ---- rendering a reply ---------------------------------------------------------------- */

  const i18n = window.ccqaI18n;
  const t = i18n.t;

  function sourceLine(citation) {
    const parts = [];
    if (citation.publisher) parts.push(citation.publisher);
    if (citation.source && citation.source !== citation.publisher) parts.push(citation.source);
    if (citation.date) parts.push(citation.date);
    if (citation.page !== null && citation.page !== undefined) parts.push(t("page", { n: citation.page }));
    return parts.join(" · ");
  }

  /* A table row as a small table: caption and unit, the header, the row (one cell marked). */
  function renderTable(row, markCell) {
    const figure = el("figure", "row-table");
    if (row.caption || row.unit) {
      const caption = el("figcaption", "row-table-caption", row.caption || "");
      if (row.unit) caption.appendChild(el("span", "row-table-unit", row.unit));
      figure.appendChild(caption);
    }
    const scroller = el("div", "row-table-scroll");
    const table = el("table");
    if (row.header && row.header.length) {
      const head = el("thead");
      const tr = el("tr");
      row.header.forEach((cell) => {
        const th = el("th", null, cell);
        th.scope = "col";
        tr.appendChild(th);
      });
      head.appendChild(tr);
      table.appendChild(head);
    }
    const body = el("tbody");
    const tr = el("tr");
    row.cells.forEach((cell, i) => {
      const td = el("td", markCell && i === row.answer_cell ? "answer-cell" : null);
      if (markCell && i === row.answer_cell) td.appendChild(el("mark", "answer-span", cell));
      else td.textContent = cell;
      tr.appendChild(td);
    });
    body.appendChild(tr);
    table.appendChild(body);
    scroller.appendChild(table);
    figure.appendChild(scroller);
    return figure;
  }

  function renderPassage(passage, number, turnId) {
    const citation = passage.citation;
    const item = el("li", "passage");
    item.id = turnId + "-passage-" + number;

    const head = el("div", "passage-head");
    head.appendChild(el("span", "passage-number", number));
    const label = el("div", "passage-label");
    label.appendChild(el("p", "passage-title", citation.title));
    if (citation.section) label.appendChild(el("p", "passage-section", citation.section));
    const source = sourceLine(citation);
    if (source) label.appendChild(el("p", "passage-source", source));
    head.appendChild(label);
    item.appendChild(head);

    if (passage.table) {
      item.appendChild(renderTable(passage.table, false));
    } else {
      const quote = el("blockquote", "passage-text");
      quote.lang = i18n.htmlLang(passage.lang || "en");
      const hl = passage.highlight;
      if (hl) {
        appendMarked(quote, passage.text, hl.start - citation.start, hl.end - citation.start, "highlight");
      } else {
        quote.appendChild(document.createTextNode(passage.text));
      }
      item.appendChild(quote);
    }
    if (passage.also_in && passage.also_in.length) {
      item.appendChild(el("p", "also-in", t("also.in", { titles: passage.also_in.map((c) => c.title).join("; ") })));
    }

    const open = el("button", "link-button open-doc", t("open.doc"));
    open.type = "button";
    open.setAttribute("aria-label", t("open.passage", { n: number, title: citation.title }));
    open.addEventListener("click", () => openDocument(passage, open));
    item.appendChild(open);
    return item;
  }

  function renderPassages(reply, passages, heading, turnId) {
    if (!passages.length) return;
    const headingId = turnId + "-passages";
    const h = el("h3", "passages-heading", heading);
    h.id = headingId;
    reply.appendChild(h);
    const list = el("ol", "passages");
    list.setAttribute("aria-labelledby", headingId);
    passages.forEach((p, i) => list.appendChild(renderPassage(p, i + 1, turnId)));
    reply.appendChild(list);
  }

  function citeButton(data, index) {
    const cited = data.passages[index];
    const number = index + 1;
    const marker = el("button", "cite", "[" + number + "]");
    marker.type = "button";
    marker.setAttribute("aria-label", t("source.button", { n: number,
      title: cited ? cited.citation.title : t("the.document") }));
    if (cited) marker.addEventListener("click", () => openDocument(cited, marker));
    return marker;
  }

  /* The quoted sentence, its exact answer marked (offsets are the document's). */
  function sentenceWithSpan(answer) {
    const text = el("span", "answer-text");
    text.lang = i18n.htmlLang(answer.lang || "en");
    const span = answer.span;
    if (span) appendMarked(text, answer.text, span.start - answer.start, span.end - answer.start, "answer-span");
    else text.textContent = answer.text;
    return text;
  }

  function renderFound(reply, data, turnId) {
    const answer = data.answer;
    const cited = data.passages[answer.citation];
    reply.appendChild(el("p", "reply-label", t("answer")));
    if (answer.span) {
      const short = el("p", "answer-short");
      const value = el("span", "answer-value", answer.span.text);
      value.lang = i18n.htmlLang(answer.lang || "en");
      short.appendChild(value);
      if (answer.year) {
        short.appendChild(el("span", "answer-year",
          t(answer.year_reported ? "year.reported" : "year", { year: answer.year })));
      }
      reply.appendChild(short);
    }
    if (answer.table) {
      const tableLine = el("div", "answer answer-row");
      tableLine.appendChild(renderTable(answer.table, true));
      tableLine.appendChild(citeButton(data, answer.citation));
      reply.appendChild(tableLine);
    } else {
      const line = el("p", "answer");
      line.appendChild(sentenceWithSpan(answer));
      line.appendChild(document.createTextNode(" "));
      line.appendChild(citeButton(data, answer.citation));
      reply.appendChild(line);
    }
    if (cited) {
      reply.appendChild(el("p", "answer-source", t("quoted.from", { title: cited.citation.title }) +
        (sourceLine(cited.citation) ? " — " + sourceLine(cited.citation) : "")));
    }
    if (answer.lang && data.lang && answer.lang !== data.lang) {
      reply.appendChild(el("p", "answer-language", t(answer.lang === "zh" ? "quoted.zh" : "quoted.en")));
    }
    /* confidence is the probability that the quoted sentence answers (calibrated on writers the
       model never saw): under one half, say so rather than let the answer look certain. */
    if (typeof data.confidence === "number" && data.confidence < 0.5) {
      reply.appendChild(el("p", "answer-uncertain",
        t("uncertain", { percent: Math.max(10, Math.round(data.confidence * 10) * 10) })));
    }
    if (data.resolved_question && data.resolved_question !== data.question) {
      reply.appendChild(el("p", "resolved", t("read.as", { question: data.resolved_question })));
    }
    reply.appendChild(answerActions(data, cited));
    renderEarlier(reply, data, turnId);
    renderPassages(reply, data.passages, t("sources"), turnId);
  }

  /* The answer's own address, and (for a found answer) its citation to copy. */
  function answerActions(data, cited) {
    const actions = el("div", "answer-actions");
    // this turn is the last one saved: its address asks the conversation up to here again
    const address = new URL(addressFor(state.saved.map((turn) => turn.question)), window.location.href).toString();
    const status = el("span", "copy-status");
    status.setAttribute("role", "status");
    const link = el("button", "link-button copy-link", t("answer.link"));
    link.type = "button";
    link.addEventListener("click", async () => {
      status.textContent = t((await copyText(address)) ? "link.copied" : "copy.failed");
    });
    actions.appendChild(link);
    if (cited) {
      const copy = el("button", "link-button copy-citation", t("copy.citation"));
      copy.type = "button";
      copy.addEventListener("click", async () => {
        const copied = await copyText(citationText(data.answer, cited.citation, address));
        status.textContent = t(copied ? "copied" : "copy.failed");
      });
      actions.appendChild(copy);
    }
    actions.appendChild(status);
    return actions;
  }

  /* "“quote” — title, publisher, date. source. address": what a reader pastes into a note. */
  function citationText(answer, citation, address) {
    const where = [citation.title, citation.publisher, citation.date].filter(Boolean).join(", ");
    const source = citation.source && /^https?:\/\//.test(citation.source) ? " " + citation.source + "." : "";
    return "\u201c" + answer.text + "\u201d \u2014 " + where + "." + source + " " + address;
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const area = el("textarea", "visually-hidden", text);
      document.body.appendChild(area);
      area.select();
      let copied = false;
      try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
      area.remove();
      return copied;
    }
  }

  /* Earlier figures: the same figure for other years, most recent first. */
  function renderEarlier(reply, data, turnId) {
    const earlier = data.alternatives || [];
    if (!earlier.length) return;
    const headingId = turnId + "-earlier";
    const h = el("h3", "earlier-heading", t("earlier"));
    h.id = headingId;
    reply.appendChild(h);
    const list = el("ul", "earlier");
    list.setAttribute("aria-labelledby", headingId);
    earlier.forEach((figure) => {
      const item = el("li", "earlier-item");
      item.appendChild(el("span", "earlier-year", figure.year));
      const value = el("span", "earlier-value", figure.span ? figure.span.text : figure.text);
      value.lang = i18n.htmlLang(figure.lang || "en");
      item.appendChild(value);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(citeButton(data, figure.citation));
      list.appendChild(item);
    });
    reply.appendChild(list);
  }

  function renderNotFound(reply, data, turnId) {
    reply.classList.add("is-not-found");
    reply.appendChild(el("p", "not-found", data.message || t("not.found")));
    if (data.passages.length) reply.appendChild(el("p", "not-found-hint", t("not.found.hint")));
    reply.appendChild(answerActions(data, null));
    renderPassages(reply, data.passages, t("related"), turnId);
  }

  function renderError(reply, message) {
    reply.classList.add("is-error");
    reply.appendChild(el("p", "reply-label", t("could.not.answer")));
    reply.appendChild(el("p", "error-text", message));
  }

  /* ---- asking --------------------------------------------------------------------------- */

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (e) { /* not JSON: fall through */ }
    return t("error.status", { status: response.status });
  }

  async function postQuestion(question, history) {
    let response;
    try {
      response = await fetch("api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ question: question, history: history }),
      });
    } catch (e) {
      return { error: t("error.unreachable") };
    }
    if (!response.ok) return { error: await errorMessage(response) };
    try {
      return { data: await response.json() };
    } catch (e) {
      return { error: t("error.unreadable") };
    }
  }

  function setPending(pending) {
    state.pending = pending;
    els.send.disabled = pending;
    els.form.setAttribute("aria-busy", pending ? "true" : "false");
  }

  /* The text an answer quoted, sent back with the next question: its exact answer, else its sentence. */
  function answerText(data) {
    if (!data.found || !data.answer) return "";
    const text = data.answer.span ? data.answer.span.text : data.answer.text;
    return text.slice(0, MAX_HISTORY_CHARS);
  }

  /* ---- the conversation's address and its copy in sessionStorage ------------------------- */

  /* "?h=<earlier>&h=...&q=<question>": the turns an answer depends on (the API reads at most
   * MAX_HISTORY earlier ones), so a long conversation's address stays short. */
  function addressFor(allQuestions) {
    const questions = allQuestions.slice(-(MAX_HISTORY + 1));
    const params = new URLSearchParams();
    questions.slice(0, -1).forEach((q) => params.append("h", q));
    if (questions.length) params.set("q", questions[questions.length - 1]);
    const query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  function saveConversation() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state.saved));
    } catch (e) { /* storage may be off or full: the address still holds the questions */ }
    window.history.replaceState(null, "", addressFor(state.saved.map((turn) => turn.question)));
  }

  function storedConversation() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((turn) => turn && typeof turn.question === "string" && turn.data) : [];
    } catch (e) {
      return [];
    }
  }

  function newTurn(question) {
    state.turns += 1;
    const turnId = "turn-" + state.turns;
    els.welcome.hidden = true;
    const turn = el("article", "turn");
    turn.id = turnId;
    turn.setAttribute("aria-label", t("you.asked") + " " + state.turns);
    const mine = el("div", "msg msg-user");
    mine.appendChild(el("p", "reply-label", t("you.asked")));
    mine.appendChild(el("p", "user-text", question));
    turn.appendChild(mine);
    const reply = el("div", "msg msg-reply");
    turn.appendChild(reply);
    els.conversation.appendChild(turn);
    return { turn: turn, reply: reply, turnId: turnId };
  }

  /* A reply as the API sent it: found, or not found with related reading. */
  function renderReply(reply, data, turnId) {
    if (data.found && data.answer) renderFound(reply, data, turnId);
    else renderNotFound(reply, data, turnId);
  }

  function remember(question, data) {
    state.history.push({ question: question, answer: answerText(data) });
    state.saved.push({ question: question, data: data });
    saveConversation();
  }

  /* Show a stored conversation (a reload), or ask its questions again (a pasted address). */
  async function restore() {
    const params = new URLSearchParams(window.location.search);
    const asked = params.get("q");
    const wanted = asked ? [...params.getAll("h"), asked] : [];
    const stored = storedConversation();
    const same = stored.length && (!wanted.length || (stored.length >= wanted.length &&
      stored.slice(-wanted.length).every((turn, i) => turn.question === wanted[i])));
    if (same) {
      stored.forEach((turn) => {
        const shown = newTurn(turn.question);
        state.saved.push(turn);
        state.history.push({ question: turn.question, answer: answerText(turn.data) });
        renderReply(shown.reply, turn.data, shown.turnId);
      });
      return;
    }
    try { window.sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage may be off */ }
    if (wanted.length) announce(t("restoring"));
    for (const question of wanted.slice(0, MAX_HISTORY + 1)) {
      if (!(await ask(question))) break;
    }
  }

  /* Ask one question with the conversation so far; true when it got a reply. */
  async function ask(rawQuestion) {
    const question = rawQuestion.trim();
    if (!question || state.pending) return false;
    const conversationId = state.conversationId;
    const shown = newTurn(question);
    const turn = shown.turn;
    const reply = shown.reply;
    const turnId = shown.turnId;
    reply.classList.add("is-loading");

    const loading = el("p", "loading");
    loading.appendChild(el("span", "spinner"));
    loading.appendChild(document.createTextNode(t("searching")));
    reply.appendChild(loading);
    scrollToTurn(turn);

    els.question.value = "";
    setPending(true);
    announce(t("searching.announce"));
    const history = state.history.slice(-MAX_HISTORY).map((h) => (
      { question: h.question.slice(0, MAX_HISTORY_CHARS), answer: h.answer }));
    const result = await postQuestion(question, history);
    if (conversationId !== state.conversationId) return false;  // the conversation was cleared
    setPending(false);

    reply.classList.remove("is-loading");
    reply.replaceChildren();
    if (result.error) {
      renderError(reply, result.error);
      announce(t("error.announce", { message: result.error }));
      if (!els.question.value) els.question.value = question;
    } else if (result.data.found && result.data.answer) {
      remember(question, result.data);
      renderFound(reply, result.data, turnId);
      const answer = result.data.answer;
      announce(t("answer.announce", { text: answer.span ? answer.span.text + " — " + answer.text : answer.text }));
    } else {
      remember(question, result.data);
      renderNotFound(reply, result.data, turnId);
      announce(t("not.found.announce", { message: result.data.message || t("not.found"),
        n: result.data.passages.length }));
    }
    scrollToTurn(turn);
    return !result.error;
  }

  function scrollToTurn(turn) {
    turn.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
  }

  function newConversation() {
    state.conversationId += 1;
    state.history = [];
    state.saved = [];
    try { window.sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage may be off */ }
    window.history.replaceState(null, "", window.location.pathname);
    setPending(false);
    els.conversation.replaceChildren();
    els.welcome.hidden = false;
    closePanel(false);
    els.question.value = "";
    els.question.focus();
    announce(t("new.started"));
  }

  /* ---- the document panel --------------------------------------------------------------- */

  function fetchDocument(docId) {
    if (!state.documents.has(docId)) {
      const promise = fetch("api/documents/" + encodeURIComponent(docId), {
        headers: { "Accept": "application/json" },
      }).then(async (response) => {
        if (!response.ok) throw new Error(await errorMessage(response));
        return response.json();
      });
      promise.catch(() => state.documents.delete(docId));
      state.documents.set(docId, promise);
    }
    return state.documents.get(docId);
  }

  function showPanel(trigger, kicker) {
    state.panelTrigger = trigger;
    state.shownDoc = null;
    els.panelKicker.textContent = kicker || t("panel.kicker");
    els.search.hidden = true;
    els.searchInput.value = "";
    els.searchCount.textContent = "";
    els.panel.hidden = false;
    els.app.classList.add("has-panel");
    document.body.classList.add("panel-open");
    // On narrow screens the panel covers the chat: keep focus and readers inside it.
    els.chatColumn.inert = window.matchMedia("(max-width: 959.98px)").matches;
  }

  function closePanel(restoreFocus) {
    if (els.panel.hidden) return;
    els.panel.hidden = true;
    els.app.classList.remove("has-panel");
    document.body.classList.remove("panel-open");
    els.chatColumn.inert = false;
    const trigger = state.panelTrigger;
    state.panelTrigger = null;
    if (restoreFocus !== false && trigger && document.body.contains(trigger)) trigger.focus();
  }

  async function openDocument(passage, trigger) {
    const citation = passage.citation;
    showPanel(trigger);
    els.panelTitle.textContent = citation.title;
    els.panelMeta.textContent = sourceLine(citation);
    els.panelBody.replaceChildren(el("p", "doc-loading", t("opening")));
    els.panelTitle.focus();

    let doc;
    try {
      doc = await fetchDocument(citation.doc_id);
    } catch (e) {
      els.panelBody.replaceChildren(el("p", "error-text", e.message));
      return;
    }
    if (state.panelTrigger !== trigger) return;  // another document was opened meanwhile
    const meta = [doc.publisher, doc.source !== doc.publisher ? doc.source : null, doc.date, citation.section]
      .filter(Boolean);
    if (citation.page !== null && citation.page !== undefined) meta.push(t("page", { n: citation.page }));
    els.panelTitle.textContent = doc.title;
    els.panelMeta.textContent = meta.join(" · ");

    const text = el("div", "doc-text");
    text.lang = i18n.htmlLang(doc.lang || "en");
    const [a, b] = unitOffsets(doc.text, [citation.start, citation.end]);
    text.appendChild(document.createTextNode(doc.text.slice(0, a)));
    const cited = el("mark", "doc-cited");
    cited.id = "doc-cited";
    const hl = passage.highlight;
    const inner = doc.text.slice(a, b);
    if (hl) {
      appendMarked(cited, inner, hl.start - citation.start, hl.end - citation.start, "highlight");
    } else {
      cited.textContent = inner;
    }
    text.appendChild(cited);
    text.appendChild(document.createTextNode(doc.text.slice(b)));
    const render = () => {
      if (passage.table) {
        const row = el("div", "doc-row");
        row.appendChild(el("p", "doc-row-label", t("table.row")));
        row.appendChild(renderTable(passage.table, false));
        els.panelBody.replaceChildren(row, text);
      } else {
        els.panelBody.replaceChildren(text);
      }
      cited.scrollIntoView({ block: "center", behavior: "auto" });
    };
    render();
    offerSearch(doc, render);
    announce(t("opened", { title: doc.title }));
  }

  /* ---- the documents view, and searching in a document ------------------------------------ */

  function languageName(code) {
    return code === "zh" || code === "en" ? t("language." + code) : code;
  }

  async function showDocuments(trigger) {
    showPanel(trigger, t("documents.kicker"));
    els.panelTitle.textContent = t("documents");
    els.panelMeta.textContent = "";
    els.panelBody.replaceChildren(el("p", "doc-loading", t("opening")));
    els.panelTitle.focus();
    let documents;
    try {
      const response = await fetch("api/documents", { headers: { "Accept": "application/json" } });
      if (!response.ok) throw new Error(await errorMessage(response));
      documents = await response.json();
    } catch (e) {
      els.panelBody.replaceChildren(el("p", "error-text", e.message || t("error.unreachable")));
      return;
    }
    if (state.panelTrigger !== trigger) return;
    els.panelMeta.textContent = t("documents.count", { n: documents.length });
    const list = el("ul", "doc-list");
    documents.forEach((doc) => {
      const item = el("li", "doc-list-item");
      const open = el("button", "link-button doc-list-title", doc.title);
      open.type = "button";
      open.lang = i18n.htmlLang(doc.lang || "en");
      open.setAttribute("aria-label", t("documents.open", { title: doc.title }));
      open.addEventListener("click", () => openWholeDocument(doc.doc_id, trigger));
      item.appendChild(open);
      const meta = [doc.publisher, doc.date, languageName(doc.lang)].filter(Boolean).join(" \u00b7 ");
      if (meta) item.appendChild(el("p", "doc-list-meta", meta));
      list.appendChild(item);
    });
    els.panelBody.replaceChildren(list);
  }

  async function openWholeDocument(docId, trigger) {
    showPanel(trigger);
    els.panelBody.replaceChildren(el("p", "doc-loading", t("opening")));
    let doc;
    try {
      doc = await fetchDocument(docId);
    } catch (e) {
      els.panelBody.replaceChildren(el("p", "error-text", e.message));
      return;
    }
    if (state.panelTrigger !== trigger) return;
    els.panelTitle.textContent = doc.title;
    els.panelMeta.textContent = [doc.publisher, doc.source !== doc.publisher ? doc.source : null, doc.date,
      languageName(doc.lang)].filter(Boolean).join(" \u00b7 ");
    const render = () => {
      const text = el("div", "doc-text", doc.text);
      text.lang = i18n.htmlLang(doc.lang || "en");
      els.panelBody.replaceChildren(text);
      els.panelBody.scrollTop = 0;
    };
    render();
    offerSearch(doc, render);
    els.panelTitle.focus();
    announce(t("opened", { title: doc.title }));
  }

  function offerSearch(doc, render) {
    state.shownDoc = { text: doc.text, lang: doc.lang || "en", render: render, current: -1 };
    els.search.hidden = false;
  }

  /* Every match of the search words in the document, marked; the first (then the next) shown. */
  function searchDocument(next) {
    const shown = state.shownDoc;
    if (!shown) return;
    const words = els.searchInput.value.trim();
    if (!words) {
      els.searchCount.textContent = "";
      shown.render();
      return;
    }
    if (next && els.panelBody.querySelector(".search-hit")) {
      const hits = els.panelBody.querySelectorAll(".search-hit");
      shown.current = (shown.current + 1) % hits.length;
      markCurrent(hits, shown.current);
      return;
    }
    const text = shown.text;
    const folded = text.toLowerCase();
    const caseless = folded.length === text.length;  // lower-casing kept every offset
    const haystack = caseless ? folded : text;
    const needle = caseless ? words.toLowerCase() : words;
    const view = el("div", "doc-text");
    view.lang = i18n.htmlLang(shown.lang);
    let from = 0;
    let count = 0;
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, from)) {
      view.appendChild(document.createTextNode(text.slice(from, at)));
      view.appendChild(el("mark", "search-hit", text.slice(at, at + needle.length)));
      from = at + needle.length;
      count += 1;
    }
    view.appendChild(document.createTextNode(text.slice(from)));
    els.panelBody.replaceChildren(view);
    els.searchCount.textContent = count ? t("search.count", { n: count }) : t("search.none");
    shown.current = 0;
    if (count) markCurrent(els.panelBody.querySelectorAll(".search-hit"), 0);
  }

  function markCurrent(hits, index) {
    hits.forEach((hit, i) => hit.classList.toggle("is-current", i === index));
    hits[index].scrollIntoView({ block: "center", behavior: "auto" });
  }

  /* ---- wiring --------------------------------------------------------------------------- */

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(els.question.value);
  });

  els.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(els.question.value);
    }
  });

  document.querySelectorAll(".suggestion").forEach((button) => {
    button.addEventListener("click", () => {
      els.question.focus();
      ask(button.textContent);
    });
  });

  els.newConversation.addEventListener("click", newConversation);
  els.showDocuments.addEventListener("click", () => showDocuments(els.showDocuments));
  els.searchInput.addEventListener("input", () => searchDocument(false));
  els.search.addEventListener("submit", (event) => {
    event.preventDefault();
    searchDocument(true);
  });
  i18n.apply();
  els.langSwitch.addEventListener("click", () => {
    i18n.set(i18n.other());
    announce(t("title"));
  });
  els.panelClose.addEventListener("click", () => closePanel(true));
  restore();
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !els.panel.hidden) {
      event.preventDefault();
      closePanel(true);
    }
  });
})();
