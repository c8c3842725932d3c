"""govmigrate: consolidate Chinese government websites into the parent platform (政府网站集约化)."""
from setuptools import setup

VERSION = "0.1.0"

setup(
    name="govmigrate",
    version=VERSION,
    description="Inventory, crawl, extract, map, export and redirect government websites being consolidated",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=["site_inventory", "site_inventory.crawl", "site_inventory.audit", "site_inventory.sample",
              "extractors", "mappings", "migrate", "migrate.export", "migrate.redirects", "migrate.serve", "migrate.cli"],
    package_data={"mappings": ["data/*.yaml"], "migrate": ["schemas/*.json", "templates/*"],
                  "migrate.serve": ["templates/*.html", "static/*"],
                  "site_inventory.audit": ["data/*.json"]},
    install_requires=[
        "click>=8.1",
        "requests>=2.28",
        "lxml>=5",
        "lxml_html_clean",
        "trafilatura>=1.12",
        "sqlite-utils>=3.35",
        "tqdm>=4.60",
        "PyYAML>=6",
        "protego>=0.3",
        "warcio>=1.7",
        "cdxj-indexer>=1.4",
        "surt>=0.3",
        "openpyxl>=3.1",
        "charset_normalizer>=3",
        "htmldate>=1.8",
        "starlette>=0.37",
        "jinja2>=3.1",
        "uvicorn>=0.29",
        "python-multipart>=0.0.9",
        "distributed>=2024.1",
    ],
    extras_require={
        "test": ["pytest>=7", "jsonschema>=4", "pytest-timeout>=2.2", "hypothesis>=6", "playwright>=1.40"],
    },
    entry_points={"console_scripts": ["govmigrate=migrate.cli:main"]},
)
