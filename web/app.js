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
    panelTitle: $("doc-panel-title"),
    panelMeta: $("doc-panel-meta"),
    panelBody: $("doc-panel-body"),
    panelClose: $("doc-panel-close"),
  };

  const state = {
    history: [],          // earlier questions of this conversation, most recent last
    pending: false,
    turns: 0,
    conversationId: 0,    // replies to a cleared conversation are dropped
    documents: new Map(), // doc_id -> Promise of the document
    panelTrigger: null,   // element to give focus back to when the panel closes
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

  function sourceLine(citation) {
    const parts = [];
    if (citation.publisher) parts.push(citation.publisher);
    if (citation.source && citation.source !== citation.publisher) parts.push(citation.source);
    if (citation.page !== null && citation.page !== undefined) parts.push("page " + citation.page);
    return parts.join(" · ");
  }

  function renderPassage(passage, number, turnId) {
    const citation = passage.citation;
    const item = el("li", "passage");
    item.id = turnId + "-passage-" + number;

    const head = el("div", "passage-head");
    head.appendChild(el("span", "passage-number", number));
    const label = el("div", "passage-label");
    label.appendChild(el("p", "passage-title", citation.title));
    const source = sourceLine(citation);
    if (source) label.appendChild(el("p", "passage-source", source));
    head.appendChild(label);
    item.appendChild(head);

    const quote = el("blockquote", "passage-text");
    const hl = passage.highlight;
    if (hl) {
      appendMarked(quote, passage.text, hl.start - citation.start, hl.end - citation.start,
        "highlight");
    } else {
      quote.appendChild(document.createTextNode(passage.text));
    }
    item.appendChild(quote);

    const open = el("button", "link-button open-doc", "Open in document");
    open.type = "button";
    open.setAttribute("aria-label", "Open passage " + number + " in " + citation.title);
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

  function renderFound(reply, data, turnId) {
    const answer = data.answer;
    const cited = data.passages[answer.citation];
    const number = answer.citation + 1;
    reply.appendChild(el("p", "reply-label", "Answer"));
    const line = el("p", "answer");
    line.appendChild(el("span", "answer-text", answer.text));
    line.appendChild(document.createTextNode(" "));
    const marker = el("button", "cite", "[" + number + "]");
    marker.type = "button";
    marker.setAttribute("aria-label", "Source " + number + ": open " +
      (cited ? cited.citation.title : "the document") + " at the quoted passage");
    if (cited) marker.addEventListener("click", () => openDocument(cited, marker));
    line.appendChild(marker);
    reply.appendChild(line);
    if (cited) {
      reply.appendChild(el("p", "answer-source", "Quoted from " + cited.citation.title +
        (sourceLine(cited.citation) ? " — " + sourceLine(cited.citation) : "")));
    }
    if (data.resolved_question && data.resolved_question !== data.question) {
      reply.appendChild(el("p", "resolved", "Read as: " + data.resolved_question));
    }
    renderPassages(reply, data.passages, "Sources", turnId);
  }

  function renderNotFound(reply, data, turnId) {
    reply.classList.add("is-not-found");
    reply.appendChild(el("p", "not-found", data.message || "Not found in the documents."));
    if (data.passages.length) {
      reply.appendChild(el("p", "not-found-hint",
        "None of the passages answers the question. These came closest."));
    }
    renderPassages(reply, data.passages, "Related passages", turnId);
  }

  function renderError(reply, message) {
    reply.classList.add("is-error");
    reply.appendChild(el("p", "reply-label", "Could not answer"));
    reply.appendChild(el("p", "error-text", message));
  }

  /* ---- asking --------------------------------------------------------------------------- */

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (e) { /* not JSON: fall through */ }
    return "The server answered with status " + response.status + ". Please try again.";
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
      return { error: "Could not reach the server. Check that ccqa is running, then try again." };
    }
    if (!response.ok) return { error: await errorMessage(response) };
    try {
      return { data: await response.json() };
    } catch (e) {
      return { error: "The server sent an answer that could not be read." };
    }
  }

  function setPending(pending) {
    state.pending = pending;
    els.send.disabled = pending;
    els.form.setAttribute("aria-busy", pending ? "true" : "false");
  }

  async function ask(rawQuestion) {
    const question = rawQuestion.trim();
    if (!question || state.pending) return;
    const conversationId = state.conversationId;
    state.turns += 1;
    const turnId = "turn-" + state.turns;
    els.welcome.hidden = true;

    const turn = el("article", "turn");
    turn.id = turnId;
    turn.setAttribute("aria-label", "Question " + state.turns);
    const mine = el("div", "msg msg-user");
    mine.appendChild(el("p", "reply-label", "You asked"));
    mine.appendChild(el("p", "user-text", question));
    turn.appendChild(mine);
    const reply = el("div", "msg msg-reply is-loading");
    const loading = el("p", "loading");
    loading.appendChild(el("span", "spinner"));
    loading.appendChild(document.createTextNode("Searching the documents…"));
    reply.appendChild(loading);
    turn.appendChild(reply);
    els.conversation.appendChild(turn);
    scrollToTurn(turn);

    els.question.value = "";
    setPending(true);
    announce("Searching the documents.");
    const history = state.history.slice(-MAX_HISTORY).map((q) => q.slice(0, MAX_HISTORY_CHARS));
    const result = await postQuestion(question, history);
    if (conversationId !== state.conversationId) return;  // the conversation was cleared
    setPending(false);

    reply.classList.remove("is-loading");
    reply.replaceChildren();
    if (result.error) {
      renderError(reply, result.error);
      announce("Could not answer: " + result.error);
      if (!els.question.value) els.question.value = question;
    } else if (result.data.found && result.data.answer) {
      state.history.push(question);
      renderFound(reply, result.data, turnId);
      announce("Answer: " + result.data.answer.text);
    } else {
      state.history.push(question);
      renderNotFound(reply, result.data, turnId);
      announce((result.data.message || "Not found in the documents.") + " " +
        result.data.passages.length + " related passages.");
    }
    scrollToTurn(turn);
  }

  function scrollToTurn(turn) {
    turn.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
  }

  function newConversation() {
    state.conversationId += 1;
    state.history = [];
    setPending(false);
    els.conversation.replaceChildren();
    els.welcome.hidden = false;
    closePanel(false);
    els.question.value = "";
    els.question.focus();
    announce("New conversation started.");
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

  function showPanel(trigger) {
    state.panelTrigger = trigger;
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
    els.panelBody.replaceChildren(el("p", "doc-loading", "Opening the document…"));
    els.panelTitle.focus();

    let doc;
    try {
      doc = await fetchDocument(citation.doc_id);
    } catch (e) {
      els.panelBody.replaceChildren(el("p", "error-text", e.message));
      return;
    }
    if (state.panelTrigger !== trigger) return;  // another document was opened meanwhile
    const meta = [doc.publisher, doc.source !== doc.publisher ? doc.source : null, doc.date]
      .filter(Boolean);
    if (citation.page !== null && citation.page !== undefined) meta.push("page " + citation.page);
    els.panelTitle.textContent = doc.title;
    els.panelMeta.textContent = meta.join(" · ");

    const text = el("div", "doc-text");
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
    els.panelBody.replaceChildren(text);
    cited.scrollIntoView({ block: "center", behavior: "auto" });
    announce("Opened " + doc.title + " at the cited passage.");
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
  els.panelClose.addEventListener("click", () => closePanel(true));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !els.panel.hidden) {
      event.preventDefault();
      closePanel(true);
    }
  });
})();
