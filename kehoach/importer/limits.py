"""Sizes past which a document is refused, so a hostile or huge file cannot stall the import.

A 200-page plan has about 6,000 paragraphs; the line limit leaves room for that and more
while keeping the rules (linear in the number of lines) well under a second per thousand.
"""

MAX_FILE_BYTES = 20 * 1024 * 1024  # what is read from disk at all
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024  # a .docx's parts, uncompressed, added up
MAX_COMPRESSION_RATIO = 200  # a part that inflates more than this is a zip bomb
MAX_LINES = 20_000  # paragraphs and table cells together
