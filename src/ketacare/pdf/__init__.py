"""PDF rendering shared by every document (session records, REMS forms, superbills later).

Not a Django app: a plain package. Use `render_pdf(template_name, context)`; it never lets the
renderer fetch anything but `data:` URIs and the project's own static files (threat P-11 in
security-and-libraries.md)."""

from ketacare.pdf.render import PdfResourceError, StaticOnlyURLFetcher, render_pdf

__all__ = ["PdfResourceError", "StaticOnlyURLFetcher", "render_pdf"]
