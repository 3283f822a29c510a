"""Server-side sessions: the stores (file or Redis), Flask-Session's interface over them,
the login kept in a session with its timeouts, and the sweeper of expired files."""
