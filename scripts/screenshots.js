// Called by scripts/screenshots: log in once, then shoot each path at each width.
const { chromium } = require("playwright-core");

const base = process.env.URL || "http://127.0.0.1:8000";
const user = process.env.USER_NAME || "Administrator";
const password = process.env.PASSWORD || "admin";
const lang = process.env.LANG_CODE || "en";
const out = process.env.OUT;
const widths = { desktop: [1366, 768], phone: [390, 844] };

(async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
	});
	for (const [name, [width, height]] of Object.entries(widths)) {
		const context = await browser.newContext({
			viewport: { width, height },
			isMobile: name === "phone",
			hasTouch: name === "phone",
			deviceScaleFactor: 1,
		});
		const login = await context.request.post(`${base}/api/method/login`, {
			form: { usr: user, pwd: password },
		});
		if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
		// the desk's language is the user's: set it for this run (LANG_CODE=en puts English back)
		await context.request.post(`${base}/api/method/frappe.client.set_value`, {
			form: { doctype: "User", name: user, fieldname: "language", value: lang },
		});
		const page = await context.newPage();
		for (const path of process.argv.slice(2)) {
			await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
			await page.waitForTimeout(1500);
			const file = `${out}/${lang}-${name}${path.replace(/[^a-zA-Z0-9]+/g, "-")}.png`;
			await page.screenshot({ path: file, fullPage: false });
			console.log(file);
		}
		await context.close();
	}
	await browser.close();
})().catch((e) => {
	console.error(e);
	process.exit(1);
});
