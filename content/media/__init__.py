"""Image and video handling: inspection by content, renditions per platform (no ORM here)."""
