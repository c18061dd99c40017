"""d2lbook: build bilingual, executable textbooks."""
