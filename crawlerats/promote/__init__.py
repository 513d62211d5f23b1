"""Hiring-manager promotion: a verified employer confirms a posting is real and open (docs/promote.md).

Modules: `config` (settings), `secret` (the signing key), `tokens` (signed confirm links and CSRF tokens),
`addresses` (work-email validation), `domains` (a company's known domains), `ratelimit` (MongoDB-backed
limits), `mailer` (SMTP or the log), `store` (collections, audit events, activate/revoke/expire) and
`flow` (the request and confirm steps the web routes and the CLI call).
"""
