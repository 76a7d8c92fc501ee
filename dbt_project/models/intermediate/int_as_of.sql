{%- set raw_tables = [
    'ats_requisitions', 'ats_candidates', 'ats_applications', 'ats_ai_recommendations',
    'ats_recruiter_decisions', 'ats_hires', 'hris_employees', 'hris_terminations',
    'hris_performance_reviews', 'timetracking_timesheets',
] -%}

with extract_dates as (
    {% for table in raw_tables %}
    select max(_extract_date) as extract_date from {{ source('raw', table) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select cast(max(extract_date) as date) as as_of_date
from extract_dates
