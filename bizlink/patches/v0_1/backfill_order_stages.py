from bizlink.fulfilment.stages import backfill_on_install


def execute():
	backfill_on_install()
