"""`make bench` (issue 12): a seeded forum measured in process and over HTTP; see __main__.py."""
