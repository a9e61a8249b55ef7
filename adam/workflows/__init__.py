"""Workflows that span domains: each one function that the API, the pages, the importer and
the command line call, so that no entry point repeats a rule (in the manner of Dispatch's
``flows``). They run in the caller's session and leave the commit to it."""
