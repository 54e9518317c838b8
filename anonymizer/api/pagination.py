"""Page-number pagination: `?page=2&page_size=100` (at most 200 a page, 50 by default); the
answer is {count, next, previous, results}. A page past the end is a 404."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
