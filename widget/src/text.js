// Message text into DOM nodes: plain text with clickable links and real lists, never HTML. Bot
// text, advisor text and the user's own text all pass through here, so nothing they contain
// can run. The same text goes plain to SMS, where "- " lines read fine as they are.

// Markdown-style [label](url) first, then bare URLs, then bare .gov addresses ("irs.gov",
// "irs.gov/form12153": what the assistant writes); only web, mail and phone links.
const LINK = /\[([^\]\n]{1,200})\]\(((?:https?:\/\/|mailto:|tel:)[^\s)]+)\)|((?:https?:\/\/|www\.)[^\s<>"']+|(?<![@\w.\/-])(?:[a-z0-9-]+\.)+gov\b(?:\/[^\s<>"']*)?)/gi;
// A line that is an item of a list: "- ", "* " or "• " first.
const ITEM = /^\s*[-*•]\s+(.*)$/;
const TRAILING = /[.,;:!?)\]]+$/;

export function safeHref(raw) {
  let href = String(raw || "").trim();
  if (/^www\./i.test(href) || /^[a-z0-9.-]+\.gov\b/i.test(href)) href = `https://${href}`;
  try {
    const url = new URL(href);
    return ["http:", "https:", "mailto:", "tel:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

function link(doc, label, href) {
  const a = doc.createElement("a");
  a.href = href;
  a.textContent = label;
  if (/^https?:/.test(href)) {
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    const hint = doc.createElement("span");
    hint.className = "sr-only";
    hint.textContent = " (opens in a new tab)";
    a.appendChild(hint);
  }
  return a;
}

// Text with links; "- " lines become a list.
export function renderText(doc, text) {
  const fragment = doc.createDocumentFragment();
  const lines = String(text ?? "").split("\n");
  let prose = [];
  let list = null;
  const endProse = () => {
    if (prose.length) fragment.appendChild(renderInline(doc, prose.join("\n")));
    prose = [];
  };
  for (const line of lines) {
    const item = line.match(ITEM);
    if (item) {
      endProse();
      if (!list) {
        list = doc.createElement("ul");
        list.className = "ic-list";
        fragment.appendChild(list);
      }
      const li = doc.createElement("li");
      li.appendChild(renderInline(doc, item[1]));
      list.appendChild(li);
    } else {
      if (list && !line.trim()) continue; // the blank line after a list belongs to neither
      list = null;
      prose.push(line);
    }
  }
  endProse();
  return fragment;
}

// One run of text with its links.
export function renderInline(doc, text) {
  const fragment = doc.createDocumentFragment();
  const source = String(text ?? "");
  let last = 0;
  for (const match of source.matchAll(LINK)) {
    let [whole, label, labelled, bare] = match;
    let end = match.index + whole.length;
    let href;
    if (labelled) {
      href = safeHref(labelled);
    } else {
      const trailing = (bare.match(TRAILING) || [""])[0];
      bare = bare.slice(0, bare.length - trailing.length);
      end -= trailing.length;
      label = bare;
      href = safeHref(bare);
    }
    if (!href) continue;
    if (match.index > last) fragment.appendChild(doc.createTextNode(source.slice(last, match.index)));
    fragment.appendChild(link(doc, label, href));
    last = end;
  }
  if (last < source.length) fragment.appendChild(doc.createTextNode(source.slice(last)));
  return fragment;
}
