"""Authentication: argon2 passwords, console sessions and API bearer tokens."""
