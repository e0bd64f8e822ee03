# Just the parts of django-mptt 0.20 that this project uses: django-mptt ships no types and PyPI
# has no stubs for it. Add to these when the code starts using more of mptt.
