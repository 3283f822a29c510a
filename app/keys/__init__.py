"""propdesk's API keys (no Flask): minting and hashing keys (``minting``), the CloudBees CD
access token kept encrypted at rest with ``PROPDESK_DATA_KEYS`` (``crypto``), the table in
propdesk's database (``tables``), the domain values (``models``) and the store (``store``).

A key is shown once; only its SHA-256 is stored, so a lookup is one indexed query and a
revocation is seen by every replica at its next request (they share the database).
"""
