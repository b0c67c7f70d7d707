"""Views by resource: sign-in and accounts, two-step sign-in, organisations and people."""
