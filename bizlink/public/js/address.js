// Address: "Set on Map" puts the address's point (BizLink's latitude and longitude, which its jobs take
// for the dispatch board's map) where the user clicks on a map, or as typed.
//
// The dialog, bizlink.pick_point, is shared: the Field Visit form loads this file for its own button.
// (Loaded by the form, this file runs in a function; loaded by frappe.require, in the page's scope:
// it declares nothing at the top.)
frappe.provide("bizlink");

bizlink.pick_point = function ({ title, latitude, longitude, onpick }) {
	const round = (value) => Math.round(flt(value) * 1e6) / 1e6;
	const dialog = new frappe.ui.Dialog({
		title: title || __("Set on Map"),
		size: "large",
		fields: [
			{ fieldname: "map", fieldtype: "HTML" },
			{ fieldtype: "Section Break" },
			{ fieldname: "latitude", fieldtype: "Float", label: __("Latitude"), precision: 6 },
			{ fieldtype: "Column Break" },
			{ fieldname: "longitude", fieldtype: "Float", label: __("Longitude"), precision: 6 },
		],
		primary_action_label: __("Set"),
		primary_action: (values) => {
			const lat = round(values.latitude);
			const lng = round(values.longitude);
			if (Math.abs(lat) > 90 || Math.abs(lng) > 180) {
				frappe.msgprint(__("Latitude goes from -90 to 90, longitude from -180 to 180."));
				return;
			}
			dialog.hide();
			onpick(lat, lng);
		},
	});
	const $wrapper = dialog.fields_dict.map.$wrapper;
	const $map = $(`<div class="bizlink-pick-map"></div>`).css({
		height: "min(360px, 50vh)",
		borderRadius: "var(--border-radius-md)",
		border: "1px solid var(--border-color)",
		background: "var(--subtle-fg)",
	});
	const $note = $(`<div class="text-muted small"></div>`).css({ margin: "6px 0 10px" });
	$wrapper.append($map, $note);
	$note.text(__("Click where the place is, or type its latitude and longitude."));
	const has_point = flt(latitude) || flt(longitude);
	if (has_point) dialog.set_values({ latitude: round(latitude), longitude: round(longitude) });

	let map = null;
	let marker = null;
	const place = (lat, lng) => {
		if (!map) return;
		if (!marker) marker = L.marker([lat, lng]).addTo(map);
		else marker.setLatLng([lat, lng]);
	};
	const from_fields = () => {
		const values = dialog.get_values(true);
		if (values && (flt(values.latitude) || flt(values.longitude))) {
			place(flt(values.latitude), flt(values.longitude));
		}
	};
	dialog.fields_dict.latitude.$input.on("change", from_fields);
	dialog.fields_dict.longitude.$input.on("change", from_fields);

	const draw = (settings) => {
		L.Icon.Default.imagePath = frappe.utils.map_defaults.image_path;
		map = L.map($map[0]);
		const depot = flt(settings.depot_latitude) || flt(settings.depot_longitude);
		if (has_point) map.setView([flt(latitude), flt(longitude)], 15);
		else if (depot) map.setView([flt(settings.depot_latitude), flt(settings.depot_longitude)], 9);
		else map.setView([20, 0], 2); // the whole world: nothing says where to look
		if (has_point) place(flt(latitude), flt(longitude));
		if (settings.tile_url) {
			let loaded = 0;
			let failed = 0;
			const tiles = L.tileLayer(settings.tile_url, {
				maxZoom: 19,
				attribution: settings.tile_url.includes("openstreetmap.org")
					? frappe.utils.map_defaults.options.attribution
					: "",
			});
			tiles.on("tileload", () => loaded++);
			tiles.on("tileerror", (e) => {
				failed++;
				if (e.tile) e.tile.style.visibility = "hidden";
			});
			tiles.on("load", () => {
				if (loaded || !failed) return;
				setTimeout(() => tiles.remove(), 0);
				$note.text(__("The map could not be loaded: type the latitude and longitude."));
			});
			tiles.addTo(map);
		} else {
			$note.text(__("No map tiles are set in BizLink Settings: type the latitude and longitude."));
		}
		map.on("click", (e) => {
			const lat = round(e.latlng.lat);
			const lng = round(L.Util.wrapNum(e.latlng.lng, [-180, 180], true));
			place(lat, lng);
			dialog.set_values({ latitude: lat, longitude: lng });
		});
	};

	dialog.show();
	// Leaflet measures its box: the map is drawn once the dialog is on screen
	const settings = frappe.xcall("bizlink.api.dispatch.get_map_settings");
	dialog.$wrapper.one("shown.bs.modal", () =>
		settings.then(draw, () => draw({ tile_url: "" })).then(() => map && map.invalidateSize())
	);
	return dialog;
};

if (!bizlink.address_map_button) {
	bizlink.address_map_button = true;
	frappe.ui.form.on("Address", {
		refresh(frm) {
			if (!frm.perm[0]?.write || !frappe.meta.has_field("Address", "bizlink_latitude")) return;
			frm.add_custom_button(__("Set on Map"), () =>
				bizlink.pick_point({
					title: __("Set on Map"),
					latitude: frm.doc.bizlink_latitude,
					longitude: frm.doc.bizlink_longitude,
					onpick: (lat, lng) => frm.set_value({ bizlink_latitude: lat, bizlink_longitude: lng }),
				})
			);
		},
	});
}
