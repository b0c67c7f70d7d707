import time
from base64 import b32decode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from campaigns.demo.people import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo campaign admin's current sign-in code (demo only: DEBUG on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo code is only printed with DEBUG on.")
        key = b32decode(DEMO_TOTP_SECRET)
        code = totp(key, step=30, t0=0, digits=6)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d} (changes in {left} seconds)")
