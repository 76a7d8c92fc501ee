{#- Every outcome record the HRIS sends (a performance review, a termination): the feedback the
    models learn from, with the extract it arrived in (the latest version's), so that the weekly
    review can count the feedback arriving. -#}
select
    'performance_review' as record_kind,
    review_id as record_id,
    employee_id,
    review_date as record_date,
    _extract_date as extract_date
from {{ ref('stg_hris__performance_reviews') }}

union all

select
    'termination' as record_kind,
    termination_id as record_id,
    employee_id,
    termination_date as record_date,
    _extract_date as extract_date
from {{ ref('stg_hris__terminations') }}
