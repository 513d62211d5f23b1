"""JOIN company pages: `https://join.com/companies/{slug}` is a Next.js page whose `script#__NEXT_DATA__` holds
`props.pageProps.initialState.jobs{items[], pagination{page, pageCount, …}}` and `initialState.company.name`.
Pages after the first are read from `?page={n}` up to `pageCount`; a page without new ids or the page cap truncates
the board (`page_guard`).

Board id: the `{slug}` of `join.com/companies/{slug}[/{job}]`. Job id: `id`; posting URL
`https://join.com/companies/{slug}/{idParam}` (`idParam`'s numeric prefix can differ from `id`, as in the sample).

Verified on a real payload (bexio: `__NEXT_DATA__` pruned by its saver to company + 5 of 8 jobs, page 1 of 2): the
item keys `id`, `idParam`, `title`, `createdAt`, `workplaceType` ("ONSITE"), `city{cityName, countryName}`,
`country{iso3166}`, `employmentType{name}` ("Employee": kept raw, no contract value), `category{name}` (department),
`salaryFrequency`, `settings.showSalary`, and `pagination`.
Unverified: the `?page=` parameter for later pages and the posting URL form (neither is in the payload); pay amounts
were pruned from the sample, so no pay is parsed: when `showSalary` is true the `salary*` keys other than the bare
frequency are kept as `salary_raw`. Descriptions are not on the company page (left null).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig
from crawlerats.spiders.pages import html_page
from crawlerats.spiders.rows import unseen


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else None


class JoinSpider(AtsSpider):
    name = "join"
    payload = "html"
    board_urls = (BoardUrl(host=r"(?:www\.)?join\.com", path=rf"/companies/{TOKEN}"),)
    public_url_template = "https://join.com/companies/{company}"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 1)

    def page(self, board: Board, number: int) -> Any:
        url = f"https://join.com/companies/{board.company}" + (f"?page={number}" if number > 1 else "")
        return self.request(board, url, self.parse_page, cb_kwargs={"number": number})

    def parse_page(self, response: Response, board: Board, number: int) -> Iterator[Any]:
        page = html_page(response)  # HTML even when served as JSON
        script = page.css("script#__NEXT_DATA__::text").get() if page is not None else None
        try:
            state = dig(json.loads(script or ""), "props", "pageProps", "initialState")
        except ValueError:
            state = None
        items = dig(state, "jobs", "items")
        if not isinstance(items, list):
            self.board_failed(board, f"unexpected_payload (no __NEXT_DATA__ jobs) at {response.url}")
            return
        stop = self.page_guard(board, [j.get("id") for j in dicts(items)])
        fresh = unseen(self, board, dicts(items), lambda j: str(j["id"]) if j.get("id") is not None else None)
        company = _name(state.get("company"))
        yield from self.emit(board, fresh, lambda b, j: self.posting(b, j, company))
        page_count = dig(state, "jobs", "pagination", "pageCount")
        if stop:
            self.board_truncated(board, f"{stop} of {page_count}")
        elif not items or not isinstance(page_count, int) or number >= page_count:
            self.board_finished(board)
        else:
            yield self.page(board, number + 1)

    def posting(self, board: Board, j: dict[str, Any], company: Any = None) -> Any:
        city = j.get("city") if isinstance(j.get("city"), dict) else {}
        city_name, country_name = city.get("cityName"), city.get("countryName")
        raw = ", ".join(p for p in (city_name, country_name) if isinstance(p, str) and p.strip()) or None
        location = n.parse_location(raw, city_name, None, dig(j, "country", "iso3166") or country_name)
        pay = {k: v for k, v in j.items() if k.startswith("salary") and k != "salaryFrequency" and v not in (None, "")}
        show = dig(j, "settings", "showSalary") is True
        id_param = j.get("idParam")
        return self.make_item(
            board,
            job_id=j.get("id"),
            title=j.get("title"),
            company_name=company,
            department=_name(j.get("category")),
            employment_type_raw=_name(j.get("employmentType")),
            workplace_type=j.get("workplaceType"),
            locations=[location] if location else [],
            salary_raw={**pay, "salaryFrequency": j.get("salaryFrequency")} if show and pay else None,
            url=f"https://join.com/companies/{board.company}/{id_param}" if isinstance(id_param, str) else None,
            posted_at=j.get("createdAt"),
            extras={"id_param": id_param if isinstance(id_param, str) and not id_param.startswith(f"{j.get('id')}-")
                    else None},
        )
