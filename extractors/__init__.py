"""Page -> record: body, title, dates, source, 文号, 索引号, breadcrumb, attachments."""
