"""``adam backup`` and ``adam restore``: the database and the uploaded files, together.

No Flask here: the command line hands in the database URL and the upload folder.
"""
