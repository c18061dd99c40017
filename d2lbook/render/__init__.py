"""Rendering: turn the book sources into websites, PDFs and reader notebooks."""
