from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tidtam.search"
    label = "search"
    verbose_name = "ค้นหา / Search"

    def ready(self):
        from tidtam.core.audit import on_audited_write
        from tidtam.search.indexing import note_audited_write

        on_audited_write(note_audited_write)  # keeps the index current after every committed audited write
