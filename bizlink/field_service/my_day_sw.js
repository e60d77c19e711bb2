/* My Day's service worker (bizlink/api/my_day.py): the page opens without a network. */
"use strict";
const CACHE = __CACHE__;
const SHELL = __SHELL__;
const ASSETS = __ASSETS__;
const NETWORK_WAIT_MS = 6000; // a weak signal: the saved page after this long, the network's later

async function keep(cache, url) {
	try {
		const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
		if (response.ok && !response.redirected) await cache.put(url, response);
	} catch (e) {
		// offline while installing: the page is saved on its next visit
	}
}

self.addEventListener("install", (event) => {
	event.waitUntil(
		caches
			.open(CACHE)
			.then((cache) => Promise.all([SHELL, ...ASSETS].map((url) => keep(cache, url))))
			.then(() => self.skipWaiting())
	);
});

self.addEventListener("activate", (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) =>
				Promise.all(
					keys
						.filter((key) => key.startsWith("bizlink-my-day-") && key !== CACHE)
						.map((key) => caches.delete(key))
				)
			)
			.then(() => self.clients.claim())
	);
});

function isShell(url) {
	return url.pathname === SHELL || url.pathname === SHELL + "/";
}

async function shellFirstFromNetwork(request) {
	const cache = await caches.open(CACHE);
	const fromNetwork = fetch(request).then(async (response) => {
		// only the page itself is kept: never a login redirect or an error page
		if (response.ok && response.type === "basic" && !response.redirected) {
			await cache.put(SHELL, response.clone());
		} else if (response.type === "opaqueredirect" || response.status === 403) {
			await cache.delete(SHELL); // logged out, or no longer a technician: not opened offline either
		}
		return response;
	});
	const saved = await cache.match(SHELL);
	if (!saved) return fromNetwork;
	const late = new Promise((resolve) => setTimeout(() => resolve(saved), NETWORK_WAIT_MS));
	return Promise.race([fromNetwork.catch(() => saved), late]);
}

async function assetFromCache(request) {
	const cache = await caches.open(CACHE);
	const saved = await cache.match(request);
	if (saved) return saved;
	const response = await fetch(request);
	if (response.ok && response.type === "basic") await cache.put(request, response.clone());
	return response;
}

self.addEventListener("fetch", (event) => {
	const request = event.request;
	const url = new URL(request.url);
	if (request.method !== "GET" || url.origin !== self.location.origin) return;
	if (request.mode === "navigate") {
		if (isShell(url)) event.respondWith(shellFirstFromNetwork(request));
		return;
	}
	if (url.pathname.startsWith("/assets/") && ASSETS.includes(url.pathname + url.search)) {
		event.respondWith(assetFromCache(request));
	}
	// anything else (the API above all) goes to the network as it would without a service worker
});
