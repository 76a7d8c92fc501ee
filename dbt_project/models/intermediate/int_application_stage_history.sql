{#- Each application's path through the stages: one row per stage entered, when, and how many days
    it stayed there until the next transition (open for the stage it is in now). Incremental: a build
    recomputes the applications with a stage event loaded since the last one. -#}
{{ config(materialized='incremental', unique_key='application_id', on_schema_change='fail') }}

with events as (
    select
        application_id,
        to_stage as stage,
        entered_at,
        lead(entered_at) over (partition by application_id order by entered_at, event_id) as left_at,
        row_number() over (partition by application_id order by entered_at, event_id) as stage_sequence,
        max(_loaded_at) over (partition by application_id) as _loaded_at
    from {{ ref('stg_ats__stage_events') }}
    {%- if is_incremental() %}
    where application_id in (
        select application_id from {{ ref('stg_ats__stage_events') }} where {{ loaded_since_last_build('_loaded_at') }}
    )
    {%- endif %}
)

select
    application_id,
    stage_sequence,
    stage,
    entered_at,
    left_at,
    {{ dbt.datediff('entered_at', 'left_at', 'day') }} as days_in_stage,
    left_at is null as is_current,
    _loaded_at
from events
