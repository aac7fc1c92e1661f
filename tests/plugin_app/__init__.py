"""A stand-in task area that plugs into the kernel the way webcare or analytics will: it is
installed only in the test settings and registers permissions, routes, beat entries, navigation,
a settings link, layout context and a notice, demo data and a system check, with no edit of smm/."""
