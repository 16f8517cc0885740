/* The page's words in English and Chinese (zh-CN), and which language the page speaks.
 *
 * The language comes from the reader's choice (kept in localStorage), else the browser's
 * languages: the first that is Chinese or English wins. Quotes are never translated: they show
 * in their document's language, with a note when it differs from the page's.
 */
"use strict";

window.ccqaI18n = (function () {
  const STRINGS = {
    en: {
      "page.title": "Ask the Chengdu–Chongqing documents",
      "skip": "Skip to the question box",
      "title": "Ask the documents",
      "subtitle": "Answers are sentences quoted from the Chengdu–Chongqing economic circle sources, each with its citation.",
      "switch": "中文",
      "switch.label": "切换到中文 (Switch to Chinese)",
      "new": "New conversation",
      "welcome.heading": "Start with a question",
      "welcome.text": "Try one of these, or write your own below.",
      "conversation": "Conversation",
      "question.label": "Your question",
      "question.placeholder": "Ask about the economic circle…",
      "question.hint": "Enter to send, Shift+Enter for a new line. Follow-up questions keep the conversation’s context.",
      "ask": "Ask",
      "panel.kicker": "Source document",
      "panel.text": "Document text",
      "close": "Close",
      "close.document": "Close document",
      "you.asked": "You asked",
      "answer": "Answer",
      "searching": "Searching the documents…",
      "searching.announce": "Searching the documents.",
      "sources": "Sources",
      "related": "Related passages",
      "not.found": "Not found in the documents.",
      "not.found.hint": "None of the passages answers the question. These came closest.",
      "could.not.answer": "Could not answer",
      "quoted.from": "Quoted from {title}",
      "quoted.zh": "Quoted from a Chinese source.",
      "quoted.en": "Quoted from an English source.",
      "uncertain": "Uncertain: answers as sure as this one are right about {percent}% of the time. Check the source.",
      "read.as": "Read as: {question}",
      "year": "Figure for {year}",
      "year.reported": "Reported in {year}",
      "earlier": "Earlier figures",
      "also.in": "Also published in: {titles}",
      "open.doc": "Open in document",
      "open.passage": "Open passage {n} in {title}",
      "source.button": "Source {n}: open {title} at the quoted passage",
      "the.document": "the document",
      "page": "page {n}",
      "table.row": "Table row",
      "opening": "Opening the document…",
      "opened": "Opened {title} at the cited passage.",
      "new.started": "New conversation started.",
      "answer.announce": "Answer: {text}",
      "not.found.announce": "{message} {n} related passages.",
      "error.announce": "Could not answer: {message}",
      "error.unreachable": "Could not reach the server. Check that ccqa is running, then try again.",
      "error.status": "The server answered with status {status}. Please try again.",
      "error.unreadable": "The server sent an answer that could not be read.",
      "documents": "Documents",
      "documents.kicker": "What the answers quote",
      "documents.count": "{n} documents",
      "documents.open": "Open {title}",
      "language.en": "English",
      "language.zh": "Chinese",
      "search.label": "Search in this document",
      "search.placeholder": "Find in the document…",
      "search.count": "{n} matches",
      "search.none": "No matches",
      "copy.citation": "Copy citation",
      "copied": "Citation copied.",
      "copy.failed": "Could not copy; select the citation and copy it by hand.",
      "answer.link": "Copy link to this answer",
      "link.copied": "Link copied: it opens this answer.",
      "restoring": "Opening the shared conversation…",
    },
    zh: {
      "page.title": "成渝地区双城经济圈文档问答",
      "skip": "跳到提问框",
      "title": "向文档提问",
      "subtitle": "答案都是从成渝地区双城经济圈资料中原文引用的句子，并注明出处。",
      "switch": "English",
      "switch.label": "Switch to English (切换到英文)",
      "new": "新对话",
      "welcome.heading": "从一个问题开始",
      "welcome.text": "可以试试下面的问题，也可以在下方输入你自己的问题。",
      "conversation": "对话",
      "question.label": "你的问题",
      "question.placeholder": "询问有关双城经济圈的问题…",
      "question.hint": "按 Enter 发送，Shift+Enter 换行。追问会沿用本次对话的上下文。",
      "ask": "提问",
      "panel.kicker": "原始文档",
      "panel.text": "文档正文",
      "close": "关闭",
      "close.document": "关闭文档",
      "you.asked": "你的问题",
      "answer": "答案",
      "searching": "正在检索文档…",
      "searching.announce": "正在检索文档。",
      "sources": "出处",
      "related": "相关段落",
      "not.found": "文档中没有找到答案。",
      "not.found.hint": "以下段落都没有回答这个问题，这些是最接近的。",
      "could.not.answer": "无法回答",
      "quoted.from": "引自《{title}》",
      "quoted.zh": "引自中文资料。",
      "quoted.en": "引自英文资料。",
      "uncertain": "不确定：把握程度相同的回答约有{percent}%是对的，请核对原文。",
      "read.as": "理解为：{question}",
      "year": "{year}年的数据",
      "year.reported": "{year}年发布的数据",
      "earlier": "往年数据",
      "also.in": "同时发布于：{titles}",
      "open.doc": "在文档中查看",
      "open.passage": "在《{title}》中查看第 {n} 段",
      "source.button": "出处 {n}：在《{title}》中查看引文",
      "the.document": "文档",
      "page": "第 {n} 页",
      "table.row": "表格行",
      "opening": "正在打开文档…",
      "opened": "已打开《{title}》的引用位置。",
      "new.started": "已开始新对话。",
      "answer.announce": "答案：{text}",
      "not.found.announce": "{message}共有 {n} 个相关段落。",
      "error.announce": "无法回答：{message}",
      "error.unreachable": "无法连接服务器。请确认 ccqa 正在运行，然后重试。",
      "error.status": "服务器返回状态 {status}，请重试。",
      "error.unreadable": "无法读取服务器的回答。",
      "documents": "文档",
      "documents.kicker": "答案引用的资料",
      "documents.count": "共 {n} 份文档",
      "documents.open": "打开《{title}》",
      "language.en": "英文",
      "language.zh": "中文",
      "search.label": "在本文档中搜索",
      "search.placeholder": "在文档中查找…",
      "search.count": "找到 {n} 处",
      "search.none": "没有找到",
      "copy.citation": "复制引用",
      "copied": "已复制引用。",
      "copy.failed": "无法复制，请手动选择引用文字复制。",
      "answer.link": "复制本答案的链接",
      "link.copied": "已复制链接，打开它即可看到本答案。",
      "restoring": "正在打开分享的对话…",
    },
  };
  const STORAGE_KEY = "ccqa.lang";
  const HTML_LANG = { en: "en", zh: "zh-CN" };

  function chosen() {
    try {
      const saved = window.localStorage.getItem(STORAGE_KEY);
      if (saved && STRINGS[saved]) return saved;
    } catch (e) { /* storage may be off */ }
    for (const tag of navigator.languages || [navigator.language || "en"]) {
      const primary = String(tag).toLowerCase().split("-")[0];
      if (STRINGS[primary]) return primary;
    }
    return "en";
  }

  let current = chosen();

  function t(key, values) {
    const text = (STRINGS[current] && STRINGS[current][key]) || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      values && values[name] !== undefined ? String(values[name]) : whole);
  }

  /* Write the page's fixed words in the current language. */
  function apply() {
    document.documentElement.lang = HTML_LANG[current];
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-attr]").forEach((node) => {
      for (const pair of node.getAttribute("data-i18n-attr").split(";")) {
        const [attribute, key] = pair.split(":");
        node.setAttribute(attribute, t(key));
      }
    });
    document.querySelectorAll(".suggestions[data-lang]").forEach((list) => {
      list.hidden = list.getAttribute("data-lang") !== current;
    });
    const switcher = document.getElementById("lang-switch");
    if (switcher) switcher.setAttribute("lang", current === "en" ? "zh-CN" : "en");
  }

  function set(lang) {
    if (!STRINGS[lang]) return;
    current = lang;
    try { window.localStorage.setItem(STORAGE_KEY, lang); } catch (e) { /* storage may be off */ }
    apply();
  }

  return {
    t: t,
    apply: apply,
    set: set,
    lang: () => current,
    other: () => (current === "en" ? "zh" : "en"),
    htmlLang: (code) => HTML_LANG[code] || code,
  };
})();
