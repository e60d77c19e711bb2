import click
from frappe.commands import get_site, pass_context


@click.command("bizlink-demo")
@pass_context
def bizlink_demo(context):
	"""Fill a site with BizLink's demo company: customers, items that need installation, sales orders."""
	import frappe

	from bizlink.setup.demo import make_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		made = make_demo()
	finally:
		frappe.destroy()
	click.secho(
		"BizLink demo data on {}: {}".format(
			site, ", ".join(f"{n} {doctype}" for doctype, n in made.items())
		),
		fg="green",
	)


commands = [bizlink_demo]
