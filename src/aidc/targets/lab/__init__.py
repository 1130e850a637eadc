"""The lab target: a real AI cluster emulated on one Linux host."""
