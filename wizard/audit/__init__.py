"""The audit for IT: what a domain tells mail programs, what each will conclude, and whether it
is right (issue 26). Qt-free; every network read bounded in time and size, and nothing sent
that names a person (the audit has no address and no password)."""
