"""The data tools' services, one file per concern: ``imports`` (upload, mapping, dry run,
commit), ``exports`` (lists to Excel), ``backup`` (backup, restore, retention), ``archive``
(the organisation archive)."""
