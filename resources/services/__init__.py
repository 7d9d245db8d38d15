"""State changes of the resources app, one plain function each, grouped by topic.

kits: kit requests and their stock; digital: publishing and downloads;
distributions: bulk distributions; bundles: offline resource bundles.
"""
