from celery import shared_task


@shared_task(name="plugin_demo.tick", ignore_result=True)
def tick(**_: object) -> None:
    """The test app's periodic task; it does nothing."""
