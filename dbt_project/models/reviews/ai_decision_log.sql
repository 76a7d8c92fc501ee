{#- Every AI recommendation on an application, the pipeline's own and the ATS vendor AI's, with the
    model version, the hash of the features it saw, why it was routed and what the person then
    decided: the one view that traces each AI-supported decision (EU AI Act record-keeping). A view,
    so that it always shows the latest decisions without a rebuild. -#}
{{ config(materialized='view') }}

with recommendations as (
    select
        'pipeline' as recommender,
        run_id || '/' || application_id as recommendation_key,
        application_id,
        model_version,
        features_hash,
        score,
        confidence,
        recommendation,
        routed_to_human,
        routing_reason,
        random_sample,
        scored_at as recommended_at,
        run_id
    from {{ source('ml', 'recommendation_log') }}

    union all

    select
        'ats_vendor' as recommender,
        recommendation_id as recommendation_key,
        application_id,
        model_version,
        cast(null as {{ dbt.type_string() }}) as features_hash,
        score,
        confidence,
        recommendation,
        routed_to_human,
        cast(null as {{ dbt.type_string() }}) as routing_reason,
        random_sample,
        recommended_at,
        cast(null as {{ dbt.type_string() }}) as run_id
    from {{ ref('stg_ats__ai_recommendations') }}
)

select
    recommendations.*,
    decisions.decision_id,
    decisions.decision as human_decision,
    decisions.decision = recommendations.recommendation as human_agrees,
    decisions.overrides_ai,
    decisions.reason_code,
    decisions.decided_at
from recommendations
left join {{ ref('stg_ats__recruiter_decisions') }} as decisions
    on decisions.application_id = recommendations.application_id
