"""What the pages say, as plain functions of the flow's state.

No Qt here: the wording for each state is tested with plain pytest, and a page only paints what
these functions return (text, and a tone the page turns into its palette's colour).
"""
