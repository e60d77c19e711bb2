"""BizLink's bench commands. All three write to the site (demo records, bulk-inserted history that
`--reset` truncates again, benchmark records): they refuse to run on a site that is not in developer
mode unless given `--force`. The code they run lives in `bizlink.devtools`, which nothing else imports."""

import click
from frappe.commands import get_site, pass_context

force_option = click.option(
	"--force", is_flag=True, help="Run even though the site is not in developer mode (it writes to the site)"
)


def connect(context, force: bool) -> str:
	"""Connect to the context's site, refusing a site not in developer mode unless forced."""
	import frappe

	site = get_site(context)
	frappe.init(site=site)
	if not (force or frappe.conf.developer_mode):
		frappe.destroy()
		raise click.ClickException(
			f"{site} is not in developer mode: this command writes test data to it. "
			"Run it on a development site (bench set-config -g developer_mode 1) or add --force."
		)
	frappe.connect()
	return site


@click.command("bizlink-demo")
@force_option
@pass_context
def bizlink_demo(context, force):
	"""Fill a site with BizLink's demo company: customers, items that need installation, sales orders."""
	import frappe

	from bizlink.devtools.demo import make_demo

	site = connect(context, force)
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


@click.command("bizlink-scale")
@click.option("--customers", type=int, default=100_000, show_default=True)
@click.option("--interactions", type=int, default=1_000_000, show_default=True)
@click.option("--tickets", type=int, default=200_000, show_default=True)
@click.option("--orders", type=int, default=50_000, show_default=True)
@click.option("--jobs", type=int, default=50_000, show_default=True)
@click.option(
	"--issues", type=int, default=None, help="ERPNext Issues to compare with (default: as many as tickets)"
)
@click.option("--serials", type=int, default=300_000, show_default=True, help="Installed serial numbers")
@click.option(
	"--service-visits",
	type=int,
	default=150_000,
	show_default=True,
	help="Past maintenance and repair visits",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--reset", is_flag=True, help="Remove what the generator made, and stop")
@force_option
@pass_context
def bizlink_scale(context, reset, force, **volumes):
	"""Fill a site with years of history (bulk inserts) to benchmark BizLink at scale."""
	import time

	import frappe

	from bizlink.devtools.scale import make_scale, reset_scale

	site = connect(context, force)
	started = time.monotonic()
	try:
		if reset:
			reset_scale()
			made = {}
		else:
			made = make_scale(**volumes)
	finally:
		frappe.destroy()
	click.secho(
		"{} on {} in {:.0f} s{}".format(
			"Scale data removed" if reset else "Scale data",
			site,
			time.monotonic() - started,
			"" if reset else ": " + ", ".join(f"{n:,} {doctype}" for doctype, n in made.items()),
		),
		fg="green",
	)


@click.command("bizlink-benchmark")
@click.option("--runs", type=int, default=30, show_default=True, help="Timed runs of each measure")
@click.option(
	"--only",
	help="One measure: sales_order_submit, customer_file, market_segments, ticket_create, escalation, "
	"list_views, due_visits, installed_base, visit_completion, dispatch_board, dispatch_drag, route_order, "
	"phone_sync, promise_check, campaign_call_list, campaign_results, knowledge_relevance, knowledge_search",
)
@force_option
@pass_context
def bizlink_benchmark(context, runs, only, force):
	"""Measure BizLink side by side with ERPNext on this site (best on one filled by bizlink-scale)."""
	import frappe

	from bizlink.devtools.benchmarks.scale import run

	connect(context, force)
	frappe.set_user("Administrator")
	try:
		rows = run(runs=runs, only=only)
	finally:
		frappe.destroy()
	missed = [row["measure"] for row in rows if row["met"] != "yes"]
	click.secho(
		f"{len(rows) - len(missed)} of {len(rows)} targets met"
		+ (f"; missed: {', '.join(missed)}" if missed else ""),
		fg="red" if missed else "green",
	)


commands = [bizlink_demo, bizlink_scale, bizlink_benchmark]
