"""aidc: infrastructure as code for AI data centers."""
