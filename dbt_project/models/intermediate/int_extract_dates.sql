{#- The newest extract date of every raw table: the one list of raw tables that the as-of date
    and the freshness check read. -#}
{%- set raw_tables = [
    'ats_requisitions', 'ats_candidates', 'ats_applications', 'ats_stage_events',
    'ats_ai_recommendations', 'ats_recruiter_decisions', 'ats_offers', 'ats_hires',
    'hris_employees', 'hris_terminations', 'hris_performance_reviews', 'hris_employee_skills',
    'hris_trainings', 'hris_job_changes', 'hris_engagement_surveys', 'timetracking_timesheets',
] -%}

{% for table in raw_tables %}
select
    '{{ table.split('_')[0] }}' as source_system,
    '{{ table }}' as source_table,
    cast(max(_extract_date) as date) as newest_extract_date
from {{ source('raw', table) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
