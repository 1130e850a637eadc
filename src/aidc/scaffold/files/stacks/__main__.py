"""The program Pulumi runs for every stack: aidc's, from the installed package."""

from aidc.program import main

main()
