{{ config(severity='warn') }}
{#- Rule: a hired application went through the funnel in order: applied, screening, interview,
    offer, hired, each stage entered no earlier than the one before. It warns: fct_applications
    is a gated mart (see _marts.yml). -#}
{%- set funnel = ['applied_at', 'screening_at', 'interview_at', 'offer_at', 'hired_at'] %}
select application_id, {{ funnel | join(', ') }}
from {{ ref('fct_applications') }}
where is_hired
    and (
        {% for stage in funnel[1:] %}
        {{ stage }} < {{ funnel[loop.index0] }}{% if not loop.last %} or{% endif %}
        {% endfor %}
    )
