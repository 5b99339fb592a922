// Message text into DOM nodes: plain text with clickable links, never HTML. Bot text, advisor
// text and the user's own text all pass through here, so nothing they contain can run.

// Markdown-style [label](url) first, then bare URLs; only web, mail and phone links.
const LINK = /\[([^\]\n]{1,200})\]\(((?:https?:\/\/|mailto:|tel:)[^\s)]+)\)|((?:https?:\/\/|www\.)[^\s<>"']+)/gi;
const TRAILING = /[.,;:!?)\]]+$/;

export function safeHref(raw) {
  let href = String(raw || "").trim();
  if (/^www\./i.test(href)) href = `https://${href}`;
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

export function renderText(doc, text) {
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
