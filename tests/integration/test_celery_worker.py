"""The real_celery_worker fixture: a `celery -A config worker` over Redis on the test database."""

import io
import socket
import threading
import time

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from config.celery import app as celery_app
from events.models import ActivityPhoto
from events.tasks import make_photo_thumbnail
from facilities.tasks import send_mail_batch
from tests import factories
from tests.fixtures.processes import wait_until

pytestmark = pytest.mark.celery_worker

SUBJECT = "物资申领已批准"


def wait_for_mail(worker, count=1, timeout=30):
    return wait_until(lambda: len(worker.outbox()) >= count and worker.outbox(), timeout=timeout)


def test_mail_queued_on_commit_is_sent_by_the_worker_not_in_process(real_celery_worker):
    assert celery_app.conf.task_always_eager is False

    with transaction.atomic():
        transaction.on_commit(
            lambda: send_mail_batch.delay(SUBJECT, "您的申领已批准。", ["staff@example.org"])
        )
        assert real_celery_worker.queued() == 0  # nothing leaves before the commit

    messages = wait_for_mail(real_celery_worker)
    assert messages, real_celery_worker.log()
    assert messages[0]["Subject"] == SUBJECT
    assert messages[0]["To"] == "staff@example.org"
    assert "您的申领已批准" in messages[0].get_content()
    assert mail.outbox == []  # the test process itself sent nothing
    assert "facilities.tasks.send_mail_batch" in real_celery_worker.log()


@pytest.mark.s3
def test_the_worker_writes_the_test_database_and_the_test_bucket(
    s3_server, s3_storage, real_celery_worker
):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (30, 120, 200)).save(buffer, "JPEG")
    photo = ActivityPhoto.objects.create(
        activity=factories.ActivityFactory(), image=ContentFile(buffer.getvalue(), name="p.jpg")
    )

    make_photo_thumbnail.delay(photo.pk)

    def thumbnail_name():
        return ActivityPhoto.objects.filter(pk=photo.pk).values_list("thumbnail", flat=True)[0]

    name = wait_until(thumbnail_name, timeout=30)
    assert name, real_celery_worker.log()
    stored = s3_server.client().get_object(Bucket=s3_storage.bucket_name, Key=name)["Body"]
    thumbnail = Image.open(io.BytesIO(stored.read()))
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) <= 480


class SilentSmtpServer:
    """Accepts connections and never answers, so a mail task hangs until its worker dies."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = threading.Event()
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _address = self.socket.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def close(self):
        self.socket.close()
        for conn in self.connections:
            conn.close()


def test_a_task_taken_by_a_killed_worker_runs_again_after_restart(real_celery_worker):
    silent = SilentSmtpServer()
    try:
        real_celery_worker.stop()
        real_celery_worker.extra_env["EMAIL_URL"] = f"smtp://127.0.0.1:{silent.port}"
        real_celery_worker.start()

        send_mail_batch.delay(SUBJECT, "body", ["county@example.org"])
        assert silent.accepted.wait(30), real_celery_worker.log()  # the task is running now

        real_celery_worker.kill()
        assert not real_celery_worker.running
        del real_celery_worker.extra_env["EMAIL_URL"]  # back to mail in files
        real_celery_worker.start()

        messages = wait_for_mail(real_celery_worker)
        assert messages, real_celery_worker.log()
        assert [m["To"] for m in messages] == ["county@example.org"]
        time.sleep(1)
        assert len(real_celery_worker.outbox()) == 1  # delivered once, not twice
    finally:
        silent.close()


def test_the_app_runs_tasks_eagerly_again_after_the_worker_fixture(transactional_db):
    assert celery_app.conf.task_always_eager is True
    send_mail_batch.delay(SUBJECT, "body", ["a@example.org"])
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
