"""The distributed capture queue: procrastinate jobs in the archive's own PostgreSQL.

`app` builds the procrastinate App and installs its schema; `tasks` holds the capture task;
`ratelimit` spaces captures of one host across the whole fleet; `worker` runs a worker with one
browser; `enqueue` is `collect --queue`.
"""
