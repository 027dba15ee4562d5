"""The HTTP edge outside GraphQL: the caller's session token and address (one ``client_info`` for every route),
request guards, the staff document route, and the uvicorn server."""
