// An article's problem and steps as the desk shows them: the words with their paragraphs, lists and
// emphasis, redrawn element by element (no attribute, link, image, style or script of its own, whatever
// the HTML holds). The server sends them cleaned already; this is the second line. (My Day, offline,
// keeps its own copy in my_day.js.)
frappe.provide("bizlink");

(() => {
	const RICH_TAGS = new Set(["P", "BR", "UL", "OL", "LI", "B", "STRONG", "I", "EM", "U", "CODE", "PRE", "BLOCKQUOTE"]);
	const DROPPED_TAGS = new Set(["SCRIPT", "STYLE", "TEMPLATE", "LINK", "META", "IMG", "SVG", "IFRAME", "OBJECT", "EMBED", "NOSCRIPT"]);

	bizlink.rich_text = function (html) {
		const doc = new DOMParser().parseFromString(String(html || ""), "text/html");
		const copy = (node) => {
			if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.nodeValue);
			if (node.nodeType !== Node.ELEMENT_NODE || DROPPED_TAGS.has(node.tagName)) return null;
			const tag = RICH_TAGS.has(node.tagName)
				? node.tagName.toLowerCase()
				: /^(DIV|H[1-6]|TR|TABLE|SECTION)$/.test(node.tagName)
				? "div"
				: "span";
			const el = document.createElement(tag);
			for (const child of node.childNodes) {
				const made = copy(child);
				if (made) el.append(made);
			}
			return el;
		};
		const wrapper = document.createElement("div");
		for (const node of doc.body.childNodes) {
			const made = copy(node);
			if (made) wrapper.append(made);
		}
		return wrapper;
	};
})();
