from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_mail_batch(subject, body, recipients):
    """Send one message to each recipient over a single connection to the mail server."""
    connection = get_connection()
    messages = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
        for address in recipients
    ]
    return connection.send_messages(messages)
