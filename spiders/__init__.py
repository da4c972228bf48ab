"""ESS Agenda's Scrapy project: one generic spider per way partner sites publish events."""
