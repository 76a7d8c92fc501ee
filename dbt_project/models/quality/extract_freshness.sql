{#- How far each source system lags behind the as-of date (the newest extract of any system), and
    behind the date the pipeline runs: a system whose feed stopped shows in days_behind while the
    others keep arriving; a stall of every feed (or of the landing zone) leaves days_behind at 0 and
    shows in days_before_run. The quality gate warns when either exceeds 8 days. -#}
select
    extract_dates.source_system,
    max(extract_dates.newest_extract_date) as newest_extract_date,
    as_of.as_of_date,
    {{ dbt.datediff('max(extract_dates.newest_extract_date)', 'as_of.as_of_date', 'day') }} as days_behind,
    current_date as run_date,
    {{ dbt.datediff('max(extract_dates.newest_extract_date)', 'current_date', 'day') }} as days_before_run
from {{ ref('int_extract_dates') }} as extract_dates
cross join {{ ref('int_as_of') }} as as_of
group by extract_dates.source_system, as_of.as_of_date
