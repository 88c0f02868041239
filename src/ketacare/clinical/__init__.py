"""The clinical core: pure Python, no Django, no I/O.

Every function takes plain values and returns plain values (with the reasons it reached them
where a judgement is made), so clinical rules can be read, reviewed and tested exhaustively.
"""
