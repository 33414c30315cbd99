"""Help texts that forms of several domains share (a foundation module: it imports nothing of
the tracker)."""

from flask_babel import lazy_gettext as _l

# Beside every field shown through the `markdown` filter (tracker/web.py): what works, in plain
# words, for people who have never heard of Markdown.
TEXT_FORMAT_HELP = _l(
    "Plain text; **bold**, *italic*, lists (lines starting with -) and links work."
)
