"""Views by resource: campaigns and partners, the toolkit, material, and the review queue."""
